/// <reference types="node" />
/**
 * The request body as bytes to send, with the `Content-Type` fetch would
 * give it. Fetch's own "extract a body" is the one home for that: every
 * non-stream `BodyInit` (string, bytes, Blob, URLSearchParams, FormData with
 * its multipart boundary) goes through a `Response`, so the bytes and the
 * type are exactly the global fetch's. A ReadableStream is sent as it comes
 * (chunked); it cannot be sent twice, so a 307/308 redirect of it is a
 * network error, as in fetch.
 */

/** A body ready for the wire. */
export type RequestBody =
  | { kind: 'bytes'; bytes: Uint8Array; contentType: string | null }
  | { kind: 'stream'; stream: ReadableStream<Uint8Array> }

export async function extractBody(body: BodyInit | null | undefined): Promise<RequestBody | undefined> {
  if (body === undefined || body === null) return undefined
  if (body instanceof ReadableStream) return { kind: 'stream', stream: body as ReadableStream<Uint8Array> }
  const extracted = new Response(body)
  return {
    kind: 'bytes',
    bytes: new Uint8Array(await extracted.arrayBuffer()),
    contentType: extracted.headers.get('content-type'),
  }
}
