// Package seal keeps secrets at rest: AES-256-GCM under a key derived from
// the platform's VOLT_SECRET_KEY and a purpose, so one secret cannot be
// opened as another kind. The CSMS and CPO CA keys (cmd/voltd), the
// telematics OAuth tokens and the webhook signing secrets (store) use it.
// Standard library only.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
)

// ErrMalformed: the sealed text is not one this package wrote.
var ErrMalformed = errors.New("seal: sealed text is malformed")

// ErrOpen: the sealed text does not open with this key (another
// VOLT_SECRET_KEY, or it was altered or moved to another row).
var ErrOpen = errors.New("seal: does not open with this key")

// Sealer seals and opens secrets of one purpose. It is safe for concurrent
// use.
type Sealer struct {
	aead cipher.AEAD
}

// New returns the sealer of purpose (e.g. "volt csms ca key") under secret:
// the AES key is SHA-256(purpose NUL secret).
func New(secret, purpose string) *Sealer {
	k := sha256.Sum256([]byte(purpose + "\x00" + secret))
	b, err := aes.NewCipher(k[:])
	if err != nil {
		panic(err) // a 32-byte key is always valid
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		panic(err) // AES always has a 16-byte block
	}
	return &Sealer{aead: g}
}

// Seal encrypts plain with a random nonce, binding aad (what the secret
// belongs to, e.g. a row's id; may be empty), and returns the standard
// base64 of nonce and ciphertext.
func (s *Sealer) Seal(plain, aad []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand never fails on supported systems
	return base64.StdEncoding.EncodeToString(s.aead.Seal(nonce, nonce, plain, aad))
}

// Open decrypts what Seal returned for the same aad.
func (s *Sealer) Open(sealed string, aad []byte) ([]byte, error) {
	b, err := base64.StdEncoding.DecodeString(sealed)
	if err != nil || len(b) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, ErrMalformed
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, b[:n], b[n:], aad)
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// Prefix marks a sealed text stored in a column that once held plain text:
// values without it are read as written before sealing.
const Prefix = "sealed:v1:"

// SealText is Seal of a text column's value, with Prefix.
func (s *Sealer) SealText(plain, aad string) string {
	return Prefix + s.Seal([]byte(plain), []byte(aad))
}

// OpenText opens what SealText stored; a value without Prefix is plain
// text stored before sealing and is answered as is (sealed reports which).
func (s *Sealer) OpenText(stored, aad string) (plain string, sealed bool, err error) {
	rest, ok := strings.CutPrefix(stored, Prefix)
	if !ok {
		return stored, false, nil
	}
	b, err := s.Open(rest, []byte(aad))
	if err != nil {
		return "", true, err
	}
	return string(b), true, nil
}
