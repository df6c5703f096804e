-- The planner's guess for `lower(municipality) = …` is a fixed 0.5 % without statistics of its
-- own; with them it knows a municipality's share of the offers, and so whether walking the
-- newest-first index until a page is full beats collecting every match and sorting.
CREATE STATISTICS catalogue_offers_municipality ON (lower(municipality)) FROM catalogue_offers;
