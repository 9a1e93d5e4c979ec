-- Indexes for a SCIM source's user view (issue 19): the ids of the view in
-- id order without reading documents (deep startIndex pages read ids from
-- this index, then only the page's rows), and displayName from the link's
-- attributes for co/sw/eq filters and their counts.

-- +goose Up
CREATE INDEX source_links_view_idx ON source_links (source, person_id) WHERE raw IS NOT NULL;
CREATE INDEX source_links_display_name_idx ON source_links (source, lower(json_extract(attributes, '$.displayName')))
    WHERE raw IS NOT NULL;

-- +goose Down
DROP INDEX source_links_display_name_idx;
DROP INDEX source_links_view_idx;
