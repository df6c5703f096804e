-- Every card number ever handed out: the key makes a second card with the same number impossible.
CREATE TABLE card_numbers (
    card_number char(12) PRIMARY KEY,
    card_id uuid NOT NULL UNIQUE
);
