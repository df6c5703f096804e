-- An offer's first terms are in force from the beginning, as a card's first validity is: a visit
-- entered later, from a day before the offer was published, is judged by them, and the offer's own
-- open period says whether it was open that day. Terms stored before this took effect at publication.
UPDATE offer_terms t SET effective_at = '-infinity'
FROM offers o
WHERE t.offer_id = o.offer_id AND t.effective_at = o.published_at;
