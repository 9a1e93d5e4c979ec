package scim

import (
	"time"

	lib "github.com/elimity-com/scim"

	"github.com/syncd-dev/syncd/internal/source"
)

// metaTimesKey carries a resource's meta times at full precision from the
// handlers to finish: the library renders meta.created and
// meta.lastModified with whole seconds, and a client resuming from
// lastModified (another syncd's incremental pull, filter meta.lastModified
// gt "...") would then read a whole second's changes again every run.
const metaTimesKey = "urn:syncd:internal:metaTimes"

// withPreciseMeta adds res's meta times as RFC 3339 with fractional
// seconds, for finish to put in place of the library's.
func withPreciseMeta(res lib.Resource) lib.Resource {
	times := map[string]any{}
	if res.Meta.Created != nil {
		times["created"] = res.Meta.Created.UTC().Format(time.RFC3339Nano)
	}
	if res.Meta.LastModified != nil {
		times["lastModified"] = res.Meta.LastModified.UTC().Format(time.RFC3339Nano)
	}
	if res.Attributes != nil && len(times) > 0 {
		res.Attributes[metaTimesKey] = times
	}
	return res
}

// preciseMeta moves the times withPreciseMeta left into meta.
func preciseMeta(doc map[string]any) {
	times, ok := doc[metaTimesKey].(map[string]any)
	delete(doc, metaTimesKey)
	if !ok {
		return
	}
	if meta, ok := doc["meta"].(map[string]any); ok {
		for k, v := range times {
			meta[k] = v
		}
	}
}

// viewDoc is the SCIM document a view shows for a stored link document.
// A pulled source's links hold source.Document (older ones the internal
// {"a","m","d"} form, converted here the same way), whose pull-only part
// is not SCIM and is dropped; managed reports whether the source asserted
// a manager, shown as the person's manager in SCIM form.
func viewDoc(raw []byte, externalID string) (doc map[string]any, pulled, managed bool, err error) {
	if conv, ok := source.LegacyDocument(raw, externalID); ok {
		raw = conv
	}
	doc, err = decodeDoc(raw)
	if err != nil {
		return nil, false, false, err
	}
	extra, pulled := doc[source.PullKey].(map[string]any)
	if pulled {
		delete(doc, source.PullKey)
		m, _ := extra["manager"].(map[string]any)
		managed = len(m) > 0
	}
	return doc, pulled, managed, nil
}
