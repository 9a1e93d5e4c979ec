package evidence

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"
)

// ServeWorkbook writes a workbook to a temporary file first (a failed
// export never sends half a file), then sends it as an attachment that no
// cache keeps. An error is returned before anything was written to w, so
// the caller can still answer with an error page.
func ServeWorkbook(w http.ResponseWriter, name string, write func(io.Writer) error) error {
	// A large campaign's workbook takes longer to write and send than the
	// server's write timeout allows ordinary responses; this download is
	// authenticated and authorized before it gets here, so it alone may
	// run without one.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	f, err := os.CreateTemp("", "syncd-evidence-*.xlsx")
	if err != nil {
		return fmt.Errorf("evidence: serve: %w", err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if err := write(f); err != nil {
		return err
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return fmt.Errorf("evidence: serve: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("evidence: serve: %w", err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	h.Set("Content-Disposition", "attachment; filename="+strconv.Quote(name))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	_, _ = io.Copy(w, f)
	return nil
}
