DROP TABLE demonstration_monitorings;
DROP TABLE demonstration_applications;
DROP TABLE service_orders;
DROP TABLE service_types;
