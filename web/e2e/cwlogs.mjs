// A minimal CloudWatch Logs client for the end-to-end tests: JSON requests
// signed with Signature V4 (node:crypto), as the AWS SDKs send them.

import { createHash, createHmac } from 'node:crypto';

const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const hmac = (key, s) => createHmac('sha256', key).update(s).digest();

export class CloudWatchLogs {
  constructor({ endpoint, accessKeyId, secretAccessKey, region = 'us-east-1' }) {
    Object.assign(this, { endpoint, accessKeyId, secretAccessKey, region });
  }

  /** Calls an operation; resolves with the response, rejects with {__type, message}. */
  async call(op, input) {
    const body = JSON.stringify(input ?? {});
    const url = new URL(this.endpoint);
    const now = new Date();
    const amzDate = now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
    const day = amzDate.slice(0, 8);
    const headers = {
      'content-type': 'application/x-amz-json-1.1',
      host: url.host,
      'x-amz-date': amzDate,
      'x-amz-target': `Logs_20140328.${op}`,
    };
    const names = Object.keys(headers).sort();
    const canonical = ['POST', '/', '', ...names.map((n) => `${n}:${headers[n]}`), '', names.join(';'), sha256(body)].join('\n');
    const scope = `${day}/${this.region}/logs/aws4_request`;
    const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
    let key = hmac('AWS4' + this.secretAccessKey, day);
    for (const part of [this.region, 'logs', 'aws4_request']) key = hmac(key, part);
    const signature = createHmac('sha256', key).update(toSign).digest('hex');
    const auth = `AWS4-HMAC-SHA256 Credential=${this.accessKeyId}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
    const { host, ...sent } = headers;
    void host;
    const resp = await fetch(this.endpoint, { method: 'POST', headers: { ...sent, authorization: auth }, body });
    const text = await resp.text();
    const data = text ? JSON.parse(text) : {};
    if (!resp.ok) {
      const err = new Error(`${op}: ${data.__type}: ${data.message}`);
      err.type = data.__type;
      err.status = resp.status;
      throw err;
    }
    return data;
  }

  /** Puts messages (strings or {timestamp, message}) in batches, creating the group and stream. */
  async put(group, stream, events) {
    await this.call('CreateLogGroup', { logGroupName: group }).catch((e) => {
      if (e.type !== 'ResourceAlreadyExistsException') throw e;
    });
    await this.call('CreateLogStream', { logGroupName: group, logStreamName: stream }).catch((e) => {
      if (e.type !== 'ResourceAlreadyExistsException') throw e;
    });
    for (let i = 0; i < events.length; i += 10_000) {
      const batch = events.slice(i, i + 10_000);
      let size = 0;
      let from = 0;
      // Also stay under the 1 MiB batch limit.
      for (let j = 0; j <= batch.length; j++) {
        if (j === batch.length || size + batch[j].message.length + 26 > 1_000_000) {
          if (j > from) await this.call('PutLogEvents', { logGroupName: group, logStreamName: stream, logEvents: batch.slice(from, j) });
          from = j;
          size = 0;
        }
        if (j < batch.length) size += Buffer.byteLength(batch[j].message) + 26;
      }
    }
  }
}
