DROP TABLE guichet_bookings;
