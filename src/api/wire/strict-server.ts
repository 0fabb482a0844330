import {
  Metadata,
  type MethodDefinition,
  Server,
  ServerInterceptingCall,
  type ServerInterceptor,
  type ServerOptions,
  type ServiceDefinition,
  status,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import 'protobufjs/ext/descriptor/index.js';
import { type MessageSchema, messageSchema } from './message-schema.js';
import { checkWire, type WireViolation } from './wire-check.js';

/**
 * A gRPC server on which every method of every service, whoever adds it (ours, grpc.health.v1, reflection),
 * checks its request bytes with {@link checkWire} before protobufjs decodes them, and answers a body that
 * does not parse exactly with INVALID_ARGUMENT naming the field. No handler ever sees such a request.
 *
 * grpc-js turns a deserializer that throws into INTERNAL, so the deserializer returns a
 * {@link MalformedRequest} instead. Methods with one request message are answered by a wrapper around
 * their handler (so their call stays grpc-js's own: the watch stream and response compression rely on its
 * internals); methods whose requests stream are answered by {@link refuseMalformed}.
 */
export class StrictServer extends Server {
  /** `onRefused` hears of every refused request (method path, status details), e.g. for metrics. */
  constructor(
    options: ServerOptions = {},
    private readonly onRefused: RefusalObserver = () => {},
  ) {
    super({ ...options, interceptors: [refuseMalformed(onRefused), ...(options.interceptors ?? [])] });
  }

  /** The path of every method registered (`/package.Service/Method`), in the order added. */
  readonly methodPaths: string[] = [];

  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    for (const method of Object.values(service)) this.methodPaths.push(method.path);
    super.addService(
      strictDefinition(service),
      refusingImplementation(service, implementation, this.onRefused),
    );
  }
}

/** Hears of a refused request: the method's path and the status details sent. */
export type RefusalObserver = (path: string, details: string) => void;

/** What a strict deserializer returns for a body that does not parse exactly. */
export class MalformedRequest {
  constructor(readonly violation: WireViolation) {}

  /** The status details: the field, then what is wrong with it. */
  get details(): string {
    return `${this.violation.field}: ${this.violation.detail}`;
  }

  /** The status to answer with, in the shape grpc-js takes from handlers. */
  toStatus(): { code: status; details: string; metadata: Metadata } {
    return { code: status.INVALID_ARGUMENT, details: this.details, metadata: new Metadata() };
  }
}

type Handler = (
  call: { request?: unknown; emit(event: 'error', err: unknown): boolean },
  callback?: (err: unknown) => void,
) => void;

/** Wraps the handler of every single-request method so that a malformed request never reaches it. */
function refusingImplementation(
  service: ServiceDefinition,
  implementation: UntypedServiceImplementation,
  onRefused: RefusalObserver,
): UntypedServiceImplementation {
  // Inherits what is not wrapped (class-based implementations included); handlers keep their `this`.
  const wrapped: Record<string, unknown> = Object.create(implementation);
  for (const [name, method] of Object.entries(service) as [string, LoadedMethod][]) {
    if (method.requestStream) continue; // refuseMalformed answers these
    // grpc-js finds a handler under the method's name or its original (proto) name.
    for (const key of new Set([name, method.originalName ?? name])) {
      const handler = implementation[key] as Handler | undefined;
      if (typeof handler !== 'function') continue;
      const refuse = (request: MalformedRequest) => {
        onRefused(method.path, request.details);
        return request.toStatus();
      };
      wrapped[key] = method.responseStream
        ? (call: Parameters<Handler>[0]) =>
            call.request instanceof MalformedRequest
              ? call.emit('error', refuse(call.request))
              : handler.call(implementation, call)
        : (call: Parameters<Handler>[0], callback: (err: unknown) => void) =>
            call.request instanceof MalformedRequest
              ? callback(refuse(call.request))
              : handler.call(implementation, call, callback);
    }
  }
  return wrapped as UntypedServiceImplementation;
}

/**
 * For methods whose requests stream: answers the first malformed message and drops the rest of the call.
 * Other calls pass through untouched (the interceptor hands back grpc-js's own call).
 */
export function refuseMalformed(onRefused: RefusalObserver = () => {}): ServerInterceptor {
  return (method, call) => {
    if (!method.requestStream) return call as ServerInterceptingCall;
    let refused = false;
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message, forward) {
            if (refused) return;
            if (message instanceof MalformedRequest) {
              refused = true;
              onRefused(method.path, message.details);
              call.sendStatus(message.toStatus());
              return;
            }
            forward(message);
          },
          onReceiveHalfClose(forward) {
            if (!refused) forward();
          },
        });
      },
    });
  };
}

/** Method definitions as @grpc/proto-loader makes them: with the request type's descriptors. */
export type LoadedMethod = MethodDefinition<unknown, unknown> & {
  readonly originalName?: string;
  readonly requestType?: { readonly fileDescriptorProtos?: readonly Uint8Array[] };
};

/** The service with each method's deserializer checking the bytes first. */
export function strictDefinition(service: ServiceDefinition): ServiceDefinition {
  const strict: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service) as [string, LoadedMethod][]) {
    const schema = requestSchema(method);
    const decode = method.requestDeserialize;
    strict[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        const violation = checkWire(bytes, schema);
        return violation ? new MalformedRequest(violation) : decode(bytes);
      },
    };
  }
  return strict as ServiceDefinition;
}

/** protobufjs roots rebuilt from descriptors, one per descriptor set (proto-loader shares it per file). */
const roots = new WeakMap<
  readonly Uint8Array[],
  { root: protobuf.Root; schemas: Map<protobuf.Type, MessageSchema> }
>();

/** The request type's schema, found from the method's path in the descriptors proto-loader attached. */
export function requestSchema(method: LoadedMethod): MessageSchema {
  const files = method.requestType?.fileDescriptorProtos;
  if (!files) {
    throw new Error(
      `${method.path}: no message descriptors; strict request decoding needs @grpc/proto-loader definitions`,
    );
  }
  let loaded = roots.get(files);
  if (!loaded) {
    const set = Buffer.concat(files.flatMap((file) => [fileTag(file.length), file]));
    const root = (
      protobuf.Root as unknown as { fromDescriptor(set: Uint8Array): protobuf.Root }
    ).fromDescriptor(set);
    root.resolveAll();
    loaded = { root, schemas: new Map() };
    roots.set(files, loaded);
  }
  const [, serviceName, methodName] = method.path.split('/') as [string, string, string];
  const rpc = loaded.root.lookupService(serviceName).methods[methodName];
  if (!rpc?.resolvedRequestType) throw new Error(`${method.path}: not in its own descriptors`);
  return messageSchema(rpc.resolvedRequestType, loaded.schemas);
}

/** The tag and length that make one FileDescriptorProto field 1 of a FileDescriptorSet. */
function fileTag(length: number): Buffer {
  const bytes = [0x0a];
  let n = length;
  while (n >= 0x80) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}
