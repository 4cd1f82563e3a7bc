/** Every route sits under this prefix. */
export const API_PREFIX = 'api';

/** Where the service documents itself: Swagger UI, and the OpenAPI document it shows. */
export const DOCS_PATH = `/${API_PREFIX}/docs`;
export const OPENAPI_JSON_PATH = `/${API_PREFIX}/docs-json`;
export const HEALTH_PATH = `/${API_PREFIX}/health`;
/** Answers 200 while the process runs, even while it drains: only a hung process fails it. */
export const HEALTH_LIVE_PATH = `${HEALTH_PATH}/live`;
