# syntax=docker/dockerfile:1
#
# The integration service as a static binary on a distroless base, run as
# a non-root user. Build and run (see docker-compose.yml for a full stack):
#
#   docker build -t ucsp/integration-service .
#   docker run --rm -p 3003:3003 ucsp/integration-service   # embedded mode
#
# Not tried here: the machines this was written on run no Docker engine.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
ENV GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The release build: the same command as the README's "Build" section.
RUN go build -trimpath -ldflags='-s -w' -o /out/integration-service ./cmd/integration-service

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/integration-service /usr/local/bin/integration-service
USER nonroot:nonroot
ENV PORT=3003
EXPOSE 3003
# Probes this instance's /health/ready over loopback; exits non-zero when
# it does not answer 200 (no shell or curl needed in the image).
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/usr/local/bin/integration-service", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/integration-service"]
CMD ["all"]
