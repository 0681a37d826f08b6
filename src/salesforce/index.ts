/** Ferry's Salesforce client: auth, REST, collections, Bulk 2.0, SOQL builder, usage tracking. */
export { SalesforceClient, DEFAULT_API_VERSION, type SalesforceClientOptions } from './client.js';
export type {
  AuthOptions,
  PasswordAuth,
  RefreshTokenAuth,
  ClientCredentialsAuth,
  JwtBearerAuth,
  AccessTokenAuth,
  TokenInfo,
} from './auth/options.js';
export { DEFAULT_LOGIN_URL } from './auth/options.js';
export { ApiUsageTracker, parseLimitInfo, type ApiUsage } from './http/limit-info.js';
export {
  DEFAULT_POLL,
  DEFAULT_RETRY,
  backoffDelay,
  pollDelays,
  type PollOptions,
  type RetryOptions,
  type Sleep,
} from './http/backoff.js';
export type { Timeouts } from './http/transport.js';
export type { SObjectRecord, SaveResult, SaveError, CsvRecord, RecordAttributes } from './types.js';
export type { QueryStream, QueryOptions, QueryPage } from './rest/query.js';
export type {
  ApiVersion,
  DescribeGlobalResult,
  DescribeGlobalSObject,
  DescribeSObjectResult,
  DescribeField,
} from './rest/describe.js';
export type { UpdatedResult, DeletedResult } from './rest/replication.js';
export type { OrgLimits, OrgLimit } from './rest/limits.js';
export { COLLECTION_LIMIT, NOT_SENT, type CollectionOptions } from './rest/collections.js';
export { BULK_NULL, type UploadRecord, type LineEnding } from './bulk/csv-encode.js';
export type {
  IngestJob,
  IngestOptions,
  IngestJobOptions,
  IngestResult,
  IngestOperation,
} from './bulk/ingest.js';
export type { IngestSuccess, IngestFailure } from './bulk/ingest-results.js';
export type { BulkQueryJob, BulkQueryOptions, RecordsOptions, ResultPageInfo } from './bulk/query.js';
export type { JobInfo, JobState } from './bulk/job.js';
export { saveErrorToFerry } from './save-error.js';
export {
  soql,
  SoqlFragment,
  SoqlQuery,
  escapeSoqlString,
  escapeSoqlLike,
  type SoqlValue,
  type SoqlLike,
} from './soql.js';
