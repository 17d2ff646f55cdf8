// Package auth owns logpond's identities: the access keys the server
// accepts, the account each belongs to, and how they are stored on disk.
package auth

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/logpond/logpond/internal/api/sigv4"
)

// File is the JSON document of a credentials file:
//
//	{"credentials": [{"accessKeyId": "...", "secretAccessKey": "...", "accountId": "123456789012"}]}
type File struct {
	Credentials []Credential `json:"credentials"`
}

// Credential is one access key.
type Credential struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	AccountID       string `json:"accountId"`
}

var accountRE = regexp.MustCompile(`^\d{12}$`)

// Keys maps access key IDs to credentials. It is read-only once built.
type Keys map[string]sigv4.Credential

// Lookup implements sigv4.Lookup.
func (k Keys) Lookup(id string) (sigv4.Credential, bool) {
	c, ok := k[id]
	return c, ok
}

// Add validates c and adds it.
func (k Keys) Add(c Credential) error {
	switch {
	case c.AccessKeyID == "" || c.SecretAccessKey == "":
		return errors.New("credential needs accessKeyId and secretAccessKey")
	case !accountRE.MatchString(c.AccountID):
		return fmt.Errorf("credential %s: accountId must be 12 digits, got %q", c.AccessKeyID, c.AccountID)
	}
	if _, dup := k[c.AccessKeyID]; dup {
		return fmt.Errorf("credential %s listed twice", c.AccessKeyID)
	}
	k[c.AccessKeyID] = sigv4.Credential{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, AccountID: c.AccountID}
	return nil
}

// LoadFile reads a credentials file.
func LoadFile(path string) (Keys, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read credentials: %w", err)
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("parse credentials %s: %w", path, err)
	}
	keys := Keys{}
	for _, c := range f.Credentials {
		if err := keys.Add(c); err != nil {
			return nil, fmt.Errorf("credentials %s: %w", path, err)
		}
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("credentials %s: no credentials", path)
	}
	return keys, nil
}

// Generate makes a random access key pair for account.
func Generate(account string) Credential {
	const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return Credential{
		AccessKeyID:     "LPAK" + randomString(upper, 16),
		SecretAccessKey: randomString(secretChars, 40),
		AccountID:       account,
	}
}

func randomString(alphabet string, n int) string {
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// WriteFile stores f at path durably: a temporary file is written and
// fsynced, renamed over path, and the directory fsynced.
func WriteFile(path string, f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'), 0o600)
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync dir %s: %w", dir, err)
	}
	return nil
}
