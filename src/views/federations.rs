//! Federations (联合社) and industrial consortia (产业化联合体).
