DROP TABLE federation_states;
DROP TABLE counselor_town_periods;
