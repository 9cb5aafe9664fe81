package store

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters (RFC 9106 second recommended option, with less memory
// for small servers). They are encoded in every hash, so they can change
// without invalidating stored hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

var b64 = base64.RawStdEncoding

// HashPassword returns the argon2id hash of password in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>".
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// HashSecret returns a fast salted SHA-256 hash of a secret that Volt
// generated itself with at least 128 bits of entropy, such as a charger's OCPP
// password: "$sha256$<salt>$<hash>". A slow KDF protects guessable human
// passwords; a random 128-bit secret cannot be guessed, and verifying it in
// microseconds is what lets 10,000 chargers reconnect at once after a power
// cut (argon2id would take minutes of CPU). Never use it for user passwords.
func HashSecret(secret string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("secret salt: %w", err)
	}
	sum := sha256.Sum256(append(salt, secret...))
	return "$sha256$" + b64.EncodeToString(salt) + "$" + b64.EncodeToString(sum[:]), nil
}

func verifySecret(encoded, secret string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false, fmt.Errorf("verify secret: malformed sha256 hash")
	}
	salt, err := b64.DecodeString(parts[2])
	if err != nil {
		return false, fmt.Errorf("verify secret: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[3])
	if err != nil || len(want) != sha256.Size {
		return false, fmt.Errorf("verify secret: bad hash")
	}
	got := sha256.Sum256(append(salt, secret...))
	return subtle.ConstantTimeCompare(got[:], want) == 1, nil
}

// VerifyPassword reports whether password matches a hash made by
// HashPassword or HashSecret, comparing in constant time. A malformed hash is
// an error.
func VerifyPassword(encoded, password string) (bool, error) {
	if strings.HasPrefix(encoded, "$sha256$") {
		return verifySecret(encoded, password)
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, fmt.Errorf("verify password: not an argon2id hash")
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, fmt.Errorf("verify password: unsupported argon2 version %q", parts[2])
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, fmt.Errorf("verify password: bad parameters %q: %w", parts[3], err)
	}
	if m == 0 || t == 0 || p == 0 || m > 1<<22 || t > 64 {
		return false, fmt.Errorf("verify password: parameters out of range %q", parts[3])
	}
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false, fmt.Errorf("verify password: bad salt: %w", err)
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 || len(want) > 128 {
		return false, fmt.Errorf("verify password: bad hash")
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

var dummyHash = sync.OnceValue(func() string {
	h, err := HashPassword("volt-dummy-password-for-timing")
	if err != nil {
		panic(fmt.Sprintf("store: dummy password hash: %v", err))
	}
	return h
})

var dummySecret = sync.OnceValue(func() string {
	h, err := HashSecret("volt-dummy-secret-for-timing")
	if err != nil {
		panic(fmt.Sprintf("store: dummy secret hash: %v", err))
	}
	return h
})

// dummySecretHash is dummyPasswordHash for secrets hashed with HashSecret
// (charger passwords): an unknown charger identity costs what a wrong
// password costs.
func dummySecretHash() string { return dummySecret() }

// dummyPasswordHash returns a valid hash to verify against when the account
// is unknown, so that unknown and wrong-password cost the same time.
func dummyPasswordHash() string { return dummyHash() }
