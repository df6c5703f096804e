-- The cards a card replaced (a lost card's replacement, and what that one replaced...): their uses
-- count towards the replacement's yearly limit. Cards replaced before this migration are linked
-- when the read models are rebuilt from the card topic.
ALTER TABLE cards ADD COLUMN predecessors uuid[] NOT NULL DEFAULT '{}';
-- A card applied after its replacement finds that replacement by this index.
CREATE INDEX cards_by_predecessor ON cards USING gin (predecessors);
