package mime

import (
	"bytes"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/automated"
)

// maxDeliveryStatus bounds the delivery-status content kept for the
// classifier: a report of 100 recipients fits many times over.
const maxDeliveryStatus = 256 << 10

// reportPart keeps the content of the delivery-status part of a
// top-level multipart/report (a part of depth 1, not in an attached
// message) for classify.
func (p *parser) reportPart(ct media, enc transferEncoding, body []byte) {
	if p.deliveryStatus != nil || !automated.IsDeliveryStatus(ct.token) {
		return
	}
	if len(body) > maxDeliveryStatus {
		body = body[:maxDeliveryStatus]
	}
	decoded, _ := decodeTransferInto(nil, enc, body)
	p.deliveryStatus = bytes.Clone(decoded)
	if p.deliveryStatus == nil {
		p.deliveryStatus = []byte{}
	}
}

// classify fills Message.Automated from the message's own header fields
// (h, the top-level ones), its delivery-status part and its text: see
// package connector/automated. A header-only parse classifies on the
// header alone.
func (p *parser) classify(h header) {
	var fields connector.Header
	for _, name := range automated.HeaderFields {
		for i := h.next(name, 0); i >= 0; i = h.next(name, i+1) {
			if fields == nil {
				fields = make(connector.Header, 8)
			}
			v, _ := rawHeaderUTF8(h.value(i))
			fields[name] = append(fields[name], cleanLine(p.decodeWords(name, v)))
		}
	}
	p.msg.Automated = automated.Classify(automated.Input{Header: fields, DeliveryStatus: p.deliveryStatus, Text: p.msg.Text})
}
