package postgres

// Internals for the external tests in package postgres_test.
var (
	MigrateWithLogger = migrate
	LockName          = lockName
	CleanMessage      = cleanMessage
	TextArray         = textArray
	HasNULEscape      = hasNULEscape
	LoadMigrations    = func() ([]int, error) {
		ms, err := loadMigrations(migrationFiles)
		versions := make([]int, len(ms))
		for i, m := range ms {
			versions[i] = m.version
		}
		return versions, err
	}
	ParseMigrationName = func(file string) (int, string, error) {
		m, err := parseMigrationName(file)
		return m.version, m.name, err
	}
)
