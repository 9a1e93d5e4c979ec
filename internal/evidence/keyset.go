package evidence

import "context"

// keyset reads a keyset-paged list to its end: read returns at most limit
// rows after a key (the zero key first), key gives a row's key, and fn
// takes each non-empty page in turn. A page shorter than limit is the
// last. Every list an export pages over goes through it.
func keyset[T, K any](ctx context.Context, limit int, read func(ctx context.Context, after K) ([]T, error), key func(T) K, fn func([]T) error) error {
	var after K
	for {
		page, err := read(ctx, after)
		if err != nil {
			return err
		}
		if len(page) > 0 {
			if err := fn(page); err != nil {
				return err
			}
		}
		if len(page) < limit {
			return nil
		}
		after = key(page[len(page)-1])
	}
}
