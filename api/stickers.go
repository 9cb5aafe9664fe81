package api

import (
	"bytes"
	"context"
	"io"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/volt-ev/volt/report"
)

// requestBase is the scheme and host a request came to, the fallback base
// of the links printed on stickers when Config.PublicURL is not set.
type requestBase struct {
	base string
}

// Resolve records the request's scheme and host (huma calls it before the
// handler).
func (b *requestBase) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	b.base = scheme + "://" + ctx.Host()
	return nil
}

type chargerStickerInput struct {
	CPIDInput
	requestBase
}

type signInput struct {
	IDInput
	requestBase
}

// signage renders stickers and posters with the caller's read scope; links
// point under Config.PublicURL, else the request's scheme and host.
func (s *server) signage(rb requestBase) report.Signage {
	base := strings.TrimRight(s.PublicURL, "/")
	if base == "" {
		base = rb.base
	}
	return report.Signage{Hierarchy: s.Hierarchy, Chargers: s.Chargers, Tariffs: s.Tariffs, Operator: s.Operator, Base: base}
}

// signOp documents a sticker or poster: a PDF, 422 when there is no
// charger to print.
func (s *server) signOp(o huma.Operation) huma.Operation { return s.receiptOp(o) }

// pdfAnswer runs a renderer into a PDF answer.
func (s *server) pdfAnswer(ctx context.Context, render func(io.Writer) (string, error)) (*FileOutput, error) {
	var buf bytes.Buffer
	name, err := render(&buf)
	if err != nil {
		return nil, s.err(ctx, err)
	}
	return &FileOutput{ContentType: mediaPDF, ContentDisposition: attachment(name), Body: buf.Bytes()}, nil
}

// chargerSticker answers a charger's printable sticker (PDF).
func (s *server) chargerSticker(ctx context.Context, in *chargerStickerInput) (*FileOutput, error) {
	return s.pdfAnswer(ctx, func(w io.Writer) (string, error) { return s.signage(in.requestBase).ChargerSticker(ctx, w, in.CPID) })
}

// siteStickers answers the A4 sticker sheets of a site's chargers.
func (s *server) siteStickers(ctx context.Context, in *signInput) (*FileOutput, error) {
	return s.pdfAnswer(ctx, func(w io.Writer) (string, error) { return s.signage(in.requestBase).SiteStickers(ctx, w, in.ID) })
}

// chargerGroupStickers answers the A4 sticker sheets of a group's chargers.
func (s *server) chargerGroupStickers(ctx context.Context, in *signInput) (*FileOutput, error) {
	return s.pdfAnswer(ctx, func(w io.Writer) (string, error) { return s.signage(in.requestBase).GroupStickers(ctx, w, in.ID) })
}

// sitePoster answers a site's signage poster (PDF).
func (s *server) sitePoster(ctx context.Context, in *signInput) (*FileOutput, error) {
	return s.pdfAnswer(ctx, func(w io.Writer) (string, error) { return s.signage(in.requestBase).SitePoster(ctx, w, in.ID) })
}
