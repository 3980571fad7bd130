//! Both migration sets give the same tables and columns; docker-compose matches the code.

use std::collections::BTreeSet;

use diesel::prelude::*;
use diesel::sql_types::{Integer, Text};

#[derive(QueryableByName, Debug)]
struct Col {
    #[diesel(sql_type = Text)]
    table_name: String,
    #[diesel(sql_type = Text)]
    column_name: String,
    #[diesel(sql_type = Text)]
    data_type: String,
    #[diesel(sql_type = Integer)]
    nullable: i32,
}

fn normalise(t: &str) -> String {
    let t = t.to_ascii_lowercase();
    match t.as_str() {
        "integer" | "bigint" | "smallint" => "integer".into(),
        "boolean" => "boolean".into(),
        "timestamp" | "timestamp without time zone" => "timestamp".into(),
        "double precision" | "double" | "real" => "double".into(),
        "bytea" | "blob" => "binary".into(),
        other => other.into(),
    }
}

type Shape = BTreeSet<(String, String, String, bool)>;

fn sqlite_shape() -> Shape {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db").to_string_lossy().into_owned();
    coophub::db::connect_and_migrate(&path).unwrap();
    let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
    let cols: Vec<Col> = diesel::sql_query(
        "SELECT m.name AS table_name, p.name AS column_name, p.type AS data_type, \
         CASE WHEN p.\"notnull\" = 1 OR p.pk > 0 THEN 0 ELSE 1 END AS nullable \
         FROM sqlite_master m JOIN pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '__diesel_schema_migrations'",
    )
    .load(&mut conn)
    .unwrap();
    cols.into_iter()
        .map(|c| {
            (
                c.table_name,
                c.column_name,
                normalise(&c.data_type),
                c.nullable == 1,
            )
        })
        .collect()
}

fn postgres_shape(url: &str) -> Shape {
    coophub::db::connect_and_migrate(url).unwrap();
    let mut conn = diesel::PgConnection::establish(url).unwrap();
    let cols: Vec<Col> = diesel::sql_query(
        "SELECT table_name::text AS table_name, column_name::text AS column_name, data_type::text AS data_type, \
         CASE WHEN is_nullable = 'YES' THEN 1 ELSE 0 END AS nullable \
         FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name <> '__diesel_schema_migrations' \
         AND table_name IN (SELECT table_name FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE')",
    )
    .load(&mut conn)
    .unwrap();
    cols.into_iter()
        .map(|c| {
            (
                c.table_name,
                c.column_name,
                normalise(&c.data_type),
                c.nullable == 1,
            )
        })
        .collect()
}

#[test]
#[ignore = "needs PostgreSQL: run with TEST_DATABASE_URL set and --include-ignored (as .ci/run does)"]
fn both_migration_sets_give_the_same_tables_and_columns() {
    let (db, url) = crate::common::TestDb::create();
    assert!(
        db.is_postgres(),
        "set TEST_DATABASE_URL to a PostgreSQL URL for this test"
    );
    let sqlite = sqlite_shape();
    let pg = postgres_shape(&url);
    let only_sqlite: Vec<_> = sqlite.difference(&pg).collect();
    let only_pg: Vec<_> = pg.difference(&sqlite).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "only in SQLite: {only_sqlite:#?}\nonly in PostgreSQL: {only_pg:#?}"
    );
    assert!(sqlite
        .iter()
        .any(|c| c.0 == "cooperatives" && c.1 == "uscc"));
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let names = |dir: &str| -> BTreeSet<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    let sqlite = names("migrations/sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("migrations/postgres"));
}

#[test]
fn docker_compose_matches_the_code() {
    use yaml_rust2::YamlLoader;
    let text = std::fs::read_to_string("docker-compose.yml").unwrap();
    let doc = &YamlLoader::load_from_str(&text).unwrap()[0];
    let services = &doc["services"];
    assert!(!services["db"].is_badvalue(), "a db service");
    let app = &services["coophub"];
    assert!(!app.is_badvalue(), "a coophub service");
    let port = coophub::config::DEFAULT_BIND.rsplit(':').next().unwrap();
    let ports: Vec<&str> = app["ports"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|p| p.as_str())
        .collect();
    assert!(
        ports.contains(&format!("{port}:{port}").as_str()),
        "{ports:?}"
    );
    let env = app["environment"].as_hash().unwrap();
    let keys: Vec<&str> = env.keys().filter_map(|k| k.as_str()).collect();
    for var in [
        coophub::config::ENV_DATABASE_URL,
        coophub::config::ENV_JWT_SECRET,
        coophub::config::ENV_REGION_CODE,
    ] {
        assert!(
            keys.contains(&var),
            "{var} missing from the coophub service"
        );
    }
    let url = app["environment"][coophub::config::ENV_DATABASE_URL]
        .as_str()
        .unwrap();
    assert!(
        coophub::db::is_postgres_url(url) && url.contains("@db:5432/"),
        "{url}"
    );
    let command: Vec<&str> = app["command"]
        .as_vec()
        .unwrap()
        .iter()
        .filter_map(|c| c.as_str())
        .collect();
    assert_eq!(command, ["serve", "--bind", &format!("0.0.0.0:{port}")]);
    assert!(!app["healthcheck"].is_badvalue());
    assert!(!services["db"]["healthcheck"].is_badvalue());
    let dockerfile = std::fs::read_to_string("Dockerfile").unwrap();
    assert!(dockerfile.contains(&format!("EXPOSE {port}")));
    assert!(dockerfile.contains("/readyz"));
}
