//! Classification assessments, the abnormal list, mergers.
