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
 * {@link MalformedRequest} instead, and a server interceptor answers it before any handler runs.
 */
export class StrictServer extends Server {
  constructor(options: ServerOptions = {}) {
    super({ ...options, interceptors: [refuseMalformed, ...(options.interceptors ?? [])] });
  }

  override addService(service: ServiceDefinition, implementation: UntypedServiceImplementation): void {
    super.addService(strictDefinition(service), implementation);
  }
}

/** What a strict deserializer returns for a body that does not parse exactly. */
export class MalformedRequest {
  constructor(readonly violation: WireViolation) {}

  /** The status details: the field, then what is wrong with it. */
  get details(): string {
    return `${this.violation.field}: ${this.violation.detail}`;
  }
}

/** Answers a malformed request (and ignores the rest of its call) before the handler is reached. */
export const refuseMalformed: ServerInterceptor = (_method, call) => {
  let refused = false;
  return new ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveMessage(message, forward) {
          if (message instanceof MalformedRequest) {
            refused = true;
            call.sendStatus({
              code: status.INVALID_ARGUMENT,
              details: message.details,
              metadata: new Metadata(),
            });
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

/** Method definitions as @grpc/proto-loader makes them: with the request type's descriptors. */
export type LoadedMethod = MethodDefinition<unknown, unknown> & {
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
