//! Demonstration cooperatives (示范社): applications, titles, directory, monitoring.
