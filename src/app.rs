//! The actix application: middleware, routes, Swagger UI.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, ErrorHandlers};
use actix_web::{web, App};
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt, UtoipaApp};
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::api::support::body_schema::BodySchemas;
use crate::api::support::etag::conditional_get;
use crate::api::{self, health};
use crate::error::ApiError;
use crate::middleware::{fallback, path_error, problemize, request_context, AllowedMethods};
use crate::openapi::{finish, ApiDoc};
use crate::state::AppState;

/// Largest JSON body accepted (bulk CSV imports set their own limit).
pub const JSON_BODY_LIMIT: usize = 256 * 1024;

fn routes<T>(app: UtoipaApp<T>) -> UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.service(health::healthz)
        .service(health::readyz)
        .service(scope::scope("/api/v1").configure(api::configure))
}

/// The OpenAPI document, as served and as committed in `openapi/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let (_, mut doc) =
        routes(App::new().into_utoipa_app().openapi(ApiDoc::openapi())).split_for_parts();
    finish(&mut doc);
    doc
}

/// Where the OpenAPI document is served (Swagger UI reads it there).
const DOC_PATH: &str = "/api-docs/openapi.json";

/// What every worker reads from the OpenAPI document, made once per process: each worker
/// building its own copy (the document, its body schemas, its methods table) cost some 27 MB
/// of memory per worker.
struct Shared {
    /// The document as served, serialised once.
    json: web::Data<web::Bytes>,
    allowed: web::Data<AllowedMethods>,
    schemas: web::Data<BodySchemas>,
}

fn shared() -> &'static Shared {
    static SHARED: std::sync::OnceLock<Shared> = std::sync::OnceLock::new();
    SHARED.get_or_init(|| {
        let doc = openapi();
        let json = serde_json::to_vec(&doc).unwrap_or_default();
        Shared {
            json: web::Data::new(web::Bytes::from(json)),
            allowed: web::Data::new(AllowedMethods::from_doc(&doc)),
            schemas: web::Data::new(BodySchemas::from_doc(&doc)),
        }
    })
}

/// Builds what the workers share, on the calling thread: the server does so before it starts
/// them, so the document's transient memory is all freed in one place, before the first request.
pub fn prepare() {
    shared();
}

async fn serve_doc(json: web::Data<web::Bytes>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("application/json")
        .body(json.get_ref().clone())
}

/// The whole application, shared by `coophub serve` and the tests.
pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let shared = shared();
    let metrics_on_main = state.settings.integrations.metrics_on_main;
    let cors = crate::cors::middleware(&state.settings.integrations.cors_origins);
    // The routes' document is `shared()`'s; this one is dropped, so it starts empty.
    let (app, _) = routes(
        App::new()
            .into_utoipa_app()
            .app_data(web::Data::new(state))
            .app_data(shared.allowed.clone())
            .app_data(shared.schemas.clone())
            .app_data(web::PayloadConfig::new(JSON_BODY_LIMIT))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(web::QueryConfig::default().error_handler(|err, _| {
                ApiError::BadRequest(format!("bad query string: {err}")).into()
            })),
    )
    .split_for_parts();
    app.service(
        SwaggerUi::new("/swagger-ui/{_:.*}")
            // Never send the spec's URL to the public validator.swagger.io.
            .config(Config::new([DOC_PATH]).validator_url("none")),
    )
    .service(
        web::resource(DOC_PATH)
            .app_data(shared.json.clone())
            .get(serve_doc),
    )
    .configure(crate::metrics::configure(metrics_on_main))
    .default_service(web::to(fallback))
    // Innermost first: 304s from 200s, CORS headers on every answer (problems included; its
    // own refusals become problems), then problem documents, their language, then the
    // request's id and span.
    .wrap(from_fn(conditional_get))
    .wrap(cors)
    .wrap(ErrorHandlers::new().default_handler(problemize))
    .wrap(from_fn(crate::i18n::localize))
    .wrap(from_fn(request_context))
}
