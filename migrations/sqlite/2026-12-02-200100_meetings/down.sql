DROP TABLE resolutions;
DROP TABLE meetings;
