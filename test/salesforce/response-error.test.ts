import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  RateLimitError,
  RecordError,
  TransientError,
  UnrecoverableError,
} from '../../src/errors/index.js';
import { classifyNetworkError, isAbort } from '../../src/salesforce/http/network-error.js';
import { parseErrorBody, responseError } from '../../src/salesforce/http/response-error.js';
import { mayResend, retryableResponse } from '../../src/salesforce/http/retry-policy.js';
import { saveErrorToFerry } from '../../src/salesforce/save-error.js';
import { jobError } from '../../src/salesforce/bulk/job.js';

const JSON_CT = 'application/json;charset=UTF-8';

describe('Salesforce error bodies → Ferry errors', () => {
  it('maps a REST error array keeping errorCode, message, fields and status', () => {
    const body = JSON.stringify([
      { message: "No such column 'Foo' on entity 'Account'.", errorCode: 'INVALID_FIELD', fields: ['Foo'] },
    ]);
    const err = responseError(400, JSON_CT, body, 'query page 1');
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('INVALID_FIELD');
    expect(err.fields).toEqual(['Foo']);
    expect(err.status).toBe(400);
    expect(err.message).toBe("query page 1: No such column 'Foo' on entity 'Account'.");
    expect(err.hint).toMatch(/describe/);
  });

  it('classifies by errorCode: limits, locks, sessions, records', () => {
    const one = (status: number, errorCode: string) =>
      responseError(status, JSON_CT, JSON.stringify([{ errorCode, message: 'm' }]), 'ctx');
    expect(one(403, 'REQUEST_LIMIT_EXCEEDED')).toBeInstanceOf(RateLimitError);
    expect(one(400, 'UNABLE_TO_LOCK_ROW')).toBeInstanceOf(TransientError);
    expect(one(503, 'SERVER_UNAVAILABLE')).toBeInstanceOf(TransientError);
    expect(one(401, 'INVALID_SESSION_ID')).toBeInstanceOf(TransientError);
    expect(one(400, 'DUPLICATE_VALUE')).toBeInstanceOf(RecordError);
    expect(one(404, 'NOT_FOUND')).toBeInstanceOf(UnrecoverableError);
    expect(one(400, 'SOMETHING_NEW')).toBeInstanceOf(UnrecoverableError);
  });

  it('mentions further errors of a multi-error body', () => {
    const body = JSON.stringify([
      { errorCode: 'INVALID_FIELD', message: 'a' },
      { errorCode: 'MALFORMED_QUERY', message: 'b' },
    ]);
    const err = responseError(400, JSON_CT, body, 'x');
    expect(err.code).toBe('INVALID_FIELD');
    expect(err.message).toContain('MALFORMED_QUERY: b');
  });

  it('reads OAuth token endpoint errors', () => {
    const err = responseError(
      400,
      JSON_CT,
      '{"error":"invalid_grant","error_description":"authentication failure"}',
      'OAuth password flow for ada@example.com',
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.code).toBe('invalid_grant');
    expect(err.message).toBe('OAuth password flow for ada@example.com: authentication failure');
  });

  it('maps an HTML maintenance page sensibly', () => {
    const html = '<!DOCTYPE html><html><head><title>Down for Maintenance</title></head><body>…</body></html>';
    const err = responseError(503, 'text/html', html, 'GET /x');
    expect(err).toBeInstanceOf(TransientError);
    expect(err.code).toBe('ERROR_HTTP_503');
    expect(err.status).toBe(503);
    expect(err.message).toContain('HTML page');
    expect(err.message).toContain('Down for Maintenance');
    expect(err.message).toContain('maintenance');
  });

  it('maps body-less errors by status', () => {
    expect(responseError(503, undefined, '', 'c')).toBeInstanceOf(TransientError);
    expect(responseError(502, undefined, '', 'c')).toBeInstanceOf(TransientError);
    expect(responseError(404, undefined, '', 'c')).toBeInstanceOf(UnrecoverableError);
    expect(responseError(429, undefined, '', 'c')).toBeInstanceOf(RateLimitError);
    expect(responseError(500, undefined, '', 'c').message).toBe(
      'c: HTTP 500 Internal Server Error with an empty body',
    );
  });

  it('reads Bulk 1.0 and SOAP XML errors', () => {
    const bulk1 =
      '<?xml version="1.0"?><error xmlns="http://www.force.com/2009/06/asyncapi/dataload"><exceptionCode>InvalidSessionId</exceptionCode><exceptionMessage>Invalid session id</exceptionMessage></error>';
    expect(parseErrorBody(400, 'application/xml', bulk1)).toMatchObject({
      errorCode: 'InvalidSessionId',
      message: 'Invalid session id',
    });
    const soap =
      '<soapenv:Envelope><soapenv:Body><soapenv:Fault><faultcode>sf:INVALID_LOGIN</faultcode><faultstring>INVALID_LOGIN: Invalid username &amp; password</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>';
    const err = responseError(500, 'text/xml', soap, 'login');
    expect(err.code).toBe('INVALID_LOGIN');
    expect(err.message).toBe('login: INVALID_LOGIN: Invalid username & password');
    expect(err).toBeInstanceOf(ConfigError);
  });

  it('never leaks a session id echoed by the server', () => {
    const body = JSON.stringify([
      { errorCode: 'X', message: 'bad token 00D000000000001!AQ0AQHk.secretpart' },
    ]);
    const err = responseError(400, JSON_CT, body, 'c');
    expect(err.message).not.toContain('secretpart');
  });

  it('keeps a snippet of unknown text bodies', () => {
    const err = responseError(500, 'text/plain', 'upstream exploded', 'c');
    expect(err.message).toContain('upstream exploded');
  });
});

describe('retry policy', () => {
  it('retries 503, 502, 504 and lock/unavailable codes, nothing else', () => {
    expect(retryableResponse(503, 'ERROR_HTTP_503')).toBe('not-applied');
    expect(retryableResponse(400, 'UNABLE_TO_LOCK_ROW')).toBe('not-applied');
    expect(retryableResponse(500, 'SERVER_UNAVAILABLE')).toBe('not-applied');
    expect(retryableResponse(502, 'ERROR_HTTP_502')).toBe('maybe-applied');
    expect(retryableResponse(504, 'ERROR_HTTP_504')).toBe('maybe-applied');
    expect(retryableResponse(500, 'UNKNOWN_EXCEPTION')).toBeUndefined();
    expect(retryableResponse(403, 'REQUEST_LIMIT_EXCEEDED')).toBeUndefined();
    expect(retryableResponse(400, 'MALFORMED_QUERY')).toBeUndefined();
  });

  it('resends maybe-applied requests only when idempotent', () => {
    expect(mayResend('not-applied', false)).toBe(true);
    expect(mayResend('not-sent', false)).toBe(true);
    expect(mayResend('maybe-applied', false)).toBe(false);
    expect(mayResend('maybe-applied', true)).toBe(true);
  });

  it('classifies network errors through cause chains', () => {
    const errno = (code: string) => Object.assign(new Error(code), { code });
    expect(classifyNetworkError(errno('ECONNREFUSED'))).toEqual({
      code: 'ECONNREFUSED',
      outcome: 'not-sent',
      retryable: true,
    });
    const wrapped = Object.assign(new Error('other side closed', { cause: errno('ECONNRESET') }), {
      code: 'UND_ERR_SOCKET',
    });
    expect(classifyNetworkError(wrapped)).toMatchObject({ code: 'ECONNRESET', outcome: 'maybe-applied' });
    expect(classifyNetworkError(errno('UND_ERR_HEADERS_TIMEOUT'))).toMatchObject({
      outcome: 'maybe-applied',
    });
    expect(classifyNetworkError(errno('UND_ERR_CONNECT_TIMEOUT'))).toMatchObject({ outcome: 'not-sent' });
    expect(classifyNetworkError(errno('ENOTFOUND'))).toMatchObject({ retryable: false });
    expect(classifyNetworkError(new AggregateError([errno('ECONNREFUSED')]))).toMatchObject({
      code: 'ECONNREFUSED',
    });
    expect(classifyNetworkError(new Error('plain'))).toBeUndefined();
    const abort = new Error('aborted');
    abort.name = 'AbortError';
    expect(isAbort(abort)).toBe(true);
  });
});

describe('per-record errors', () => {
  it('map through the same table', () => {
    const dup = saveErrorToFerry(
      { statusCode: 'DUPLICATE_VALUE', message: 'duplicate value found: Ext__c', fields: ['Ext__c'] },
      'upsert Account record 3',
    );
    expect(dup).toBeInstanceOf(RecordError);
    expect(dup.fields).toEqual(['Ext__c']);
    expect(
      saveErrorToFerry({ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'x', fields: [] }, 'c'),
    ).toBeInstanceOf(TransientError);
    expect(saveErrorToFerry({ statusCode: 'NOT_SENT', message: 'x', fields: [] }, 'c')).toBeInstanceOf(
      TransientError,
    );
  });
});

describe('Bulk job failures', () => {
  it('classify by the Salesforce code inside errorMessage', () => {
    const failed = jobError('query', {
      id: '750000000000001AAA',
      state: 'Failed',
      errorMessage:
        "InvalidBatch : Failed to process query: INVALID_FIELD: No such column 'Foo' on entity 'Account'",
    });
    expect(failed).toBeInstanceOf(ConfigError);
    expect(failed.code).toBe('INVALID_FIELD');
    expect(failed.message).toMatch(/^Bulk query job 750000000000001AAA Failed: /);
    const aborted = jobError('ingest', { id: '750000000000002AAA', state: 'Aborted' });
    expect(aborted.code).toBe('BULK_JOB_ABORTED');
    expect(aborted).toBeInstanceOf(UnrecoverableError);
  });
});
