//! Storage: the `TicketStore` port on SQLite and PostgreSQL through sqlx.
