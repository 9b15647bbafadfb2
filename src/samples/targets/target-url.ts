export { redactUrl } from '../../config/redact-url.js';
