package store

// SetKmsKey associates a KMS key with a log group (key != "") or removes the
// association (key == ""). logpond records the key; it does not encrypt with
// it.
func (s *Store) SetKmsKey(sc Scope, name, key string) error {
	return s.updateGroup(sc, name, func(m *groupMeta) error {
		m.KmsKeyID = key
		return nil
	})
}
