package pnc

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/volt-ev/volt"
	"github.com/volt-ev/volt/pki"
)

// Contract certificate installation and update (ISO 15118-2
// CertificateInstallation/CertificateUpdate, ISO 15118-20 equivalents,
// relayed by OCPP 2.0.1 M01/M02 Get15118EVCertificate and the 1.6
// extension): the vehicle's request reaches Volt as EXI, base64, and its
// answer leaves as EXI, base64. EXI encoding is outside Volt: a Pool reads
// and writes the messages through an EXICodec, and a provider that forwards
// the EXI to a PKI's certificate pool service as is (the usual set-up)
// never decodes it at all. TestEXI is a documented stand-in encoding for
// tests and the simulator, not ISO's.

// EVCertificateRequest is the content of a 15118 certificate installation
// (Install: the vehicle's OEM provisioning certificate) or update (Update:
// its current contract chain, leaf first) request.
type EVCertificateRequest struct {
	Action          string // "Install" or "Update"
	Provisioning    *x509.Certificate
	ContractChain   []*x509.Certificate
	EMAID           string
	RootCertificate []string // ListOfRootCertificateIDs, informative
}

// EVCertificateResponse is the content of the answer: the 15118 response
// code and, when OK, the contract chain (leaf first, without the root), its
// private key encrypted for the vehicle and the ephemeral ECDH public key
// to decrypt it.
type EVCertificateResponse struct {
	ResponseCode        string
	EMAID               string
	ContractChain       []*x509.Certificate
	EncryptedPrivateKey []byte // IV (16 bytes) then AES-128-CBC ciphertext
	DHPublicKey         []byte // uncompressed P-256 point
}

// 15118-2 response codes a Pool answers.
const (
	ResponseOK                     = "OK"
	ResponseFailed                 = "FAILED"
	ResponseNoCertificateAvailable = "FAILED_NoCertificateAvailable"
	ResponseCertChainError         = "FAILED_CertChainError"
)

// EXICodec reads 15118 certificate requests and writes their responses.
type EXICodec interface {
	DecodeRequest(schemaVersion, action string, exi []byte) (*EVCertificateRequest, error)
	EncodeResponse(schemaVersion string, r *EVCertificateResponse) ([]byte, error)
}

// PoolContract is a contract certificate waiting in the pool for a vehicle:
// its chain (leaf, sub-CAs; the leaf's CN is the eMAID) and private key.
type PoolContract struct {
	Chain []*x509.Certificate
	Key   *ecdsa.PrivateKey
}

// Pool is a contract certificate pool: the contracts an eMSP prepared for
// vehicles, found by the PCID (the OEM provisioning certificate's subject
// CN) at installation and by eMAID at update. It answers
// Get15118EVCertificate for a provider (Local.Pool, OCSP.Pool).
type Pool struct {
	// Codec reads and writes the EXI; without one every request Fails.
	Codec EXICodec
	// OEMRoots, when set, must verify the vehicle's provisioning
	// certificate (installation) or contract chain (update).
	OEMRoots *x509.CertPool
	// Now is the clock; default time.Now.
	Now func() time.Time

	mu      sync.Mutex
	byPCID  map[string]PoolContract
	byEMAID map[string]PoolContract
}

// NewPool returns an empty pool reading EXI with codec.
func NewPool(codec EXICodec) *Pool {
	return &Pool{Codec: codec, byPCID: map[string]PoolContract{}, byEMAID: map[string]PoolContract{}}
}

// Add puts a contract in the pool for the vehicle whose provisioning
// certificate names pcid ("" when it is only for updates).
func (p *Pool) Add(pcid string, c PoolContract) error {
	if len(c.Chain) == 0 || c.Key == nil {
		return errors.New("pnc: pool contract needs a chain and its key")
	}
	emaid, ok := volt.NormalizeEMAID(c.Chain[0].Subject.CommonName)
	if !ok {
		return fmt.Errorf("pnc: contract CN %q is not an eMAID", c.Chain[0].Subject.CommonName)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if pcid != "" {
		p.byPCID[pcid] = c
	}
	p.byEMAID[emaid] = c
	return nil
}

func (p *Pool) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

// Get15118EVCertificate answers a vehicle's installation or update request:
// Accepted with the encoded response carrying the contract, or Failed (with
// an encoded 15118 failure when the request could be read).
func (p *Pool) Get15118EVCertificate(_ context.Context, schemaVersion, action, exiRequest string) (string, string, error) {
	if p.Codec == nil {
		return "Failed", "", nil
	}
	raw, err := base64.StdEncoding.DecodeString(exiRequest)
	if err != nil {
		return "Failed", "", nil
	}
	req, err := p.Codec.DecodeRequest(schemaVersion, action, raw)
	if err != nil {
		return "Failed", "", nil
	}
	res, recipient := p.answer(req)
	if res.ResponseCode == ResponseOK {
		if res.DHPublicKey, res.EncryptedPrivateKey, err = encryptContractKey(recipient, res.key); err != nil {
			res.EVCertificateResponse = EVCertificateResponse{ResponseCode: ResponseFailed}
		}
	}
	out, err := p.Codec.EncodeResponse(schemaVersion, &res.EVCertificateResponse)
	if err != nil {
		return "", "", fmt.Errorf("pnc: encode 15118 response: %w", err)
	}
	status := "Accepted"
	if res.ResponseCode != ResponseOK {
		status = "Failed"
	}
	return status, base64.StdEncoding.EncodeToString(out), nil
}

type poolAnswer struct {
	EVCertificateResponse
	key *ecdsa.PrivateKey
}

// answer finds the contract for req and the public key its private key is
// encrypted to: the provisioning certificate's (install) or the current
// contract's (update).
func (p *Pool) answer(req *EVCertificateRequest) (poolAnswer, any) {
	fail := func(code string) (poolAnswer, any) {
		return poolAnswer{EVCertificateResponse: EVCertificateResponse{ResponseCode: code}}, nil
	}
	var (
		c     PoolContract
		found bool
		to    *x509.Certificate
	)
	p.mu.Lock()
	switch req.Action {
	case "Install":
		if req.Provisioning == nil {
			p.mu.Unlock()
			return fail(ResponseCertChainError)
		}
		to = req.Provisioning
		c, found = p.byPCID[to.Subject.CommonName]
	case "Update":
		if len(req.ContractChain) == 0 {
			p.mu.Unlock()
			return fail(ResponseCertChainError)
		}
		to = req.ContractChain[0]
		emaid, _ := volt.NormalizeEMAID(to.Subject.CommonName)
		c, found = p.byEMAID[emaid]
		found = found && emaid != "" && c.Chain[0].SerialNumber.Cmp(to.SerialNumber) != 0
	}
	p.mu.Unlock()
	if to == nil {
		return fail(ResponseFailed)
	}
	now := p.now()
	if now.After(to.NotAfter) || now.Before(to.NotBefore) {
		return fail(ResponseCertChainError)
	}
	if p.OEMRoots != nil {
		inter := x509.NewCertPool()
		if req.Action == "Update" {
			for _, x := range req.ContractChain[1:] {
				inter.AddCert(x)
			}
		}
		if _, err := to.Verify(x509.VerifyOptions{Roots: p.OEMRoots, Intermediates: inter, CurrentTime: now,
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			return fail(ResponseCertChainError)
		}
	}
	if !found {
		return fail(ResponseNoCertificateAvailable)
	}
	emaid, _ := volt.NormalizeEMAID(c.Chain[0].Subject.CommonName)
	return poolAnswer{EVCertificateResponse: EVCertificateResponse{ResponseCode: ResponseOK, EMAID: emaid, ContractChain: c.Chain}, key: c.Key}, to.PublicKey
}

// encryptContractKey encrypts the contract's private key for the holder of
// recipient (a P-256 public key) the way ISO 15118-2 transports it: an
// ephemeral ECDH key pair, the shared secret through the NIST SP 800-56A
// concatenation KDF (SHA-256, 128 bits, OtherInfo 0x01 'U' 'V'), AES-128-CBC
// over the 32-byte private key with a random IV put in front.
func encryptContractKey(recipient any, key *ecdsa.PrivateKey) (dhPub, encrypted []byte, err error) {
	ecPub, ok := recipient.(*ecdsa.PublicKey)
	if !ok {
		return nil, nil, errors.New("pnc: recipient key is not ECDSA")
	}
	pub, err := ecPub.ECDH()
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: recipient key: %w", err)
	}
	eph, err := pub.Curve().GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	secret, err := eph.ECDH(pub)
	if err != nil {
		return nil, nil, err
	}
	priv, err := key.ECDH()
	if err != nil {
		return nil, nil, fmt.Errorf("pnc: contract key: %w", err)
	}
	plain := priv.Bytes()
	iv := make([]byte, aes.BlockSize)
	if _, err := rand.Read(iv); err != nil {
		return nil, nil, err
	}
	block, _ := aes.NewCipher(concatKDF(secret))
	out := make([]byte, len(plain))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(out, plain)
	return eph.PublicKey().Bytes(), append(iv, out...), nil
}

// DecryptContractKey is the vehicle's side of encryptContractKey: it
// recovers the contract private key with the key of the certificate the
// answer was encrypted to (tests, the simulator).
func DecryptContractKey(own *ecdsa.PrivateKey, dhPub, encrypted []byte) (*ecdsa.PrivateKey, error) {
	priv, err := own.ECDH()
	if err != nil {
		return nil, err
	}
	peer, err := ecdh.P256().NewPublicKey(dhPub)
	if err != nil {
		return nil, fmt.Errorf("pnc: DH public key: %w", err)
	}
	secret, err := priv.ECDH(peer)
	if err != nil {
		return nil, err
	}
	if len(encrypted) != 2*aes.BlockSize+aes.BlockSize {
		return nil, errors.New("pnc: encrypted key has the wrong length")
	}
	block, _ := aes.NewCipher(concatKDF(secret))
	plain := make([]byte, len(encrypted)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, encrypted[:aes.BlockSize]).CryptBlocks(plain, encrypted[aes.BlockSize:])
	return ecdsa.ParseRawPrivateKey(elliptic.P256(), plain)
}

// concatKDF is the single-step KDF of NIST SP 800-56A with SHA-256 and the
// OtherInfo ISO 15118-2 fixes, cut to an AES-128 key.
func concatKDF(z []byte) []byte {
	h := sha256.New()
	h.Write([]byte{0, 0, 0, 1})
	h.Write(z)
	h.Write([]byte{0x01, 'U', 'V'})
	return h.Sum(nil)[:16]
}

// TestEXI is a stand-in for EXI, documented so a test or a simulator can
// speak it: the "EXI" bytes are JSON. A request is
// {"oemProvisioningCertificate": PEM} (Install) or
// {"contractCertificateChain": PEM leaf first, "emaid": "..."} (Update),
// with an optional "rootCertificateIds": [...]; a response is
// {"responseCode", "emaid", "contractCertificateChain": PEM,
// "encryptedPrivateKey": base64 (IV then ciphertext), "dhPublicKey":
// base64 uncompressed point}. It is not ISO 15118's encoding.
type TestEXI struct{}

type testEXIRequest struct {
	OEMProvisioningCertificate string   `json:"oemProvisioningCertificate,omitempty"`
	ContractCertificateChain   string   `json:"contractCertificateChain,omitempty"`
	EMAID                      string   `json:"emaid,omitempty"`
	RootCertificateIDs         []string `json:"rootCertificateIds,omitempty"`
}

type testEXIResponse struct {
	ResponseCode             string `json:"responseCode"`
	EMAID                    string `json:"emaid,omitempty"`
	ContractCertificateChain string `json:"contractCertificateChain,omitempty"`
	EncryptedPrivateKey      []byte `json:"encryptedPrivateKey,omitempty"`
	DHPublicKey              []byte `json:"dhPublicKey,omitempty"`
}

// DecodeRequest implements EXICodec.
func (TestEXI) DecodeRequest(_, action string, exi []byte) (*EVCertificateRequest, error) {
	var r testEXIRequest
	if err := json.Unmarshal(exi, &r); err != nil {
		return nil, fmt.Errorf("pnc: test EXI request: %w", err)
	}
	out := &EVCertificateRequest{Action: action, EMAID: r.EMAID, RootCertificate: r.RootCertificateIDs}
	switch action {
	case "Install":
		certs, err := pki.ParseCertificates([]byte(r.OEMProvisioningCertificate))
		if err != nil || len(certs) == 0 {
			return nil, fmt.Errorf("pnc: provisioning certificate: %v", err)
		}
		out.Provisioning = certs[0]
	case "Update":
		certs, err := pki.ParseCertificates([]byte(r.ContractCertificateChain))
		if err != nil || len(certs) == 0 {
			return nil, fmt.Errorf("pnc: contract chain: %v", err)
		}
		out.ContractChain = certs
	default:
		return nil, fmt.Errorf("pnc: unknown action %q", action)
	}
	return out, nil
}

// EncodeResponse implements EXICodec.
func (TestEXI) EncodeResponse(_ string, r *EVCertificateResponse) ([]byte, error) {
	return json.Marshal(testEXIResponse{ResponseCode: r.ResponseCode, EMAID: r.EMAID, ContractCertificateChain: chainPEM(r.ContractChain),
		EncryptedPrivateKey: r.EncryptedPrivateKey, DHPublicKey: r.DHPublicKey})
}

// EncodeRequest writes a request in the test encoding (the vehicle's side).
func (TestEXI) EncodeRequest(r *EVCertificateRequest) ([]byte, error) {
	out := testEXIRequest{EMAID: r.EMAID, RootCertificateIDs: r.RootCertificate, ContractCertificateChain: chainPEM(r.ContractChain)}
	if r.Provisioning != nil {
		out.OEMProvisioningCertificate = chainPEM([]*x509.Certificate{r.Provisioning})
	}
	return json.Marshal(out)
}

// DecodeResponse reads a response in the test encoding (the vehicle's
// side).
func (TestEXI) DecodeResponse(exi []byte) (*EVCertificateResponse, error) {
	var r testEXIResponse
	if err := json.Unmarshal(exi, &r); err != nil {
		return nil, fmt.Errorf("pnc: test EXI response: %w", err)
	}
	out := &EVCertificateResponse{ResponseCode: r.ResponseCode, EMAID: r.EMAID, EncryptedPrivateKey: r.EncryptedPrivateKey, DHPublicKey: r.DHPublicKey}
	if strings.TrimSpace(r.ContractCertificateChain) != "" {
		certs, err := pki.ParseCertificates([]byte(r.ContractCertificateChain))
		if err != nil {
			return nil, fmt.Errorf("pnc: contract chain: %w", err)
		}
		out.ContractChain = certs
	}
	return out, nil
}

func chainPEM(chain []*x509.Certificate) string {
	var b []byte
	for _, c := range chain {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(b)
}
