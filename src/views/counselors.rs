//! The counselor corps (辅导员): coverage, trainings, visits, evaluations, rankings.
