//! `seed --demo`'s documents: stored in the configured store, then recorded.

use super::url;
use crate::common::{TestApp, TOWN_A};

#[actix_web::test]
async fn demo_documents_are_stored_and_downloadable() {
    let app = TestApp::new().await;
    let a = app.create_coop(1, TOWN_A).await["id"].as_i64().unwrap();
    let b = app.create_coop(2, TOWN_A).await["id"].as_i64().unwrap();
    let n = coophub::seed::documents::demo(&mut app.conn(), &app.state.store).unwrap();
    assert_eq!(n, 6, "three documents for each of the two cooperatives");
    // The model charter is the same file for both: 5 objects for 6 rows.
    assert_eq!(app.stored_objects().len(), 5, "{:?}", app.stored_objects());
    for coop in [a, b] {
        let list = app
            .get(&format!("{}?count=true", url(coop)), &app.admin())
            .await
            .ok(200);
        assert_eq!(list["total"], 3);
        for d in list["items"].as_array().unwrap() {
            let dl = app
                .get(&format!("{}/{}/content", url(coop), d["id"]), &app.admin())
                .await;
            assert_eq!(dl.status, 200);
            assert_eq!(dl.body.len() as i64, d["size"].as_i64().unwrap());
            assert_eq!(super::sha256_hex(&dl.body), d["sha256"]);
        }
    }
}
