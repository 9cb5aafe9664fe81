// Package pdfqr is for tests: it renders a PDF's pages to images with
// pdftoppm (poppler-utils) and reads the QR codes on them, so a test checks
// what a phone would scan from the printed page.
package pdfqr

import (
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Pages renders every page of pdf at dpi and returns them in order. It
// skips the test when pdftoppm is not installed.
func Pages(t testing.TB, pdf []byte, dpi int) []image.Image {
	t.Helper()
	bin, err := exec.LookPath("pdftoppm")
	if err != nil {
		t.Skip("pdftoppm not installed (apt-get install poppler-utils): cannot render the PDF to check its QR code")
	}
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-png", "-r", fmt.Sprint(dpi), in, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	sort.Strings(files) // page-1.png, page-2.png: fine below 10 pages
	var pages []image.Image
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(fh)
		fh.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", f, err)
		}
		pages = append(pages, img)
	}
	if len(pages) == 0 {
		t.Fatal("pdftoppm rendered no page")
	}
	return pages
}

// Decode reads the one QR code within r of img (r empty: the whole image).
func Decode(img image.Image, r image.Rectangle) (string, error) {
	if !r.Empty() {
		sub := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
		draw.Draw(sub, sub.Bounds(), img, r.Min, draw.Src)
		img = sub
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", fmt.Errorf("bitmap: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		return "", fmt.Errorf("no QR code read: %w", err)
	}
	return res.GetText(), nil
}

// Text returns the text of pdf through pdftotext (poppler-utils), skipping
// the test when it is not installed.
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Skip("pdftotext not installed (apt-get install poppler-utils): cannot read the PDF's text")
	}
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-layout", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
