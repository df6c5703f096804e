-- The catalogue: venues and offers as they stand now, written in the same transaction as the
-- events that changed them, so the public catalogue and the staff API never disagree.
CREATE TABLE venue_directory (
    venue_id uuid PRIMARY KEY,
    name jsonb NOT NULL,
    region text NOT NULL,
    municipality text NOT NULL,
    kind text NOT NULL,
    street_address text,
    postal_code text NOT NULL,
    accessibility jsonb,
    languages text[] NOT NULL,
    closed boolean NOT NULL DEFAULT false
);

-- Finnish, Swedish and English text each stemmed by its own dictionary; the venue's name is
-- searchable too ("Kansallisteatteri" finds the theatre's offers).
CREATE FUNCTION offer_search_vector(title jsonb, description jsonb, venue_name jsonb)
RETURNS tsvector LANGUAGE sql IMMUTABLE AS $$
    SELECT to_tsvector('finnish', concat_ws(' ', title->>'fi', description->>'fi', venue_name->>'fi'))
        || to_tsvector('swedish', concat_ws(' ', title->>'sv', description->>'sv', venue_name->>'sv'))
        || to_tsvector('english', concat_ws(' ', title->>'en', description->>'en', venue_name->>'en'))
$$;

CREATE TABLE catalogue_offers (
    offer_id uuid PRIMARY KEY,
    venue_id uuid NOT NULL REFERENCES venue_directory,
    region text NOT NULL,
    municipality text NOT NULL,
    category text NOT NULL,
    kind text NOT NULL,
    title jsonb NOT NULL,
    description jsonb,
    starts_at timestamptz,
    ends_at timestamptz,
    -- "Soonest first" sorts by this: an offer with no start has been open since it was published.
    sort_start timestamptz NOT NULL,
    quota integer,
    max_tickets_per_visit integer NOT NULL,
    accepted_programmes text[] NOT NULL,
    accepted_regions text[] NOT NULL,
    published_at timestamptz NOT NULL,
    updated_at timestamptz,
    withdrawn_at timestamptz,
    search tsvector NOT NULL
);

CREATE INDEX catalogue_offers_search ON catalogue_offers USING gin (search) WHERE withdrawn_at IS NULL;
CREATE INDEX catalogue_offers_newest ON catalogue_offers (published_at DESC, offer_id DESC) WHERE withdrawn_at IS NULL;
CREATE INDEX catalogue_offers_soonest ON catalogue_offers (sort_start, offer_id) WHERE withdrawn_at IS NULL;
CREATE INDEX catalogue_offers_venue ON catalogue_offers (venue_id);

-- Tickets taken per offer, from the usage service's visit events; no card in it.
CREATE TABLE offer_tickets_used (
    offer_id uuid PRIMARY KEY,
    tickets_used integer NOT NULL
);
