import protobuf from 'protobufjs';

/**
 * What the strict wire check needs to know of a message type, read from protobufjs descriptors: for each
 * field number, the wire encoding its declared type must arrive in.
 */

/** Protobuf wire types (the low three bits of a tag). */
export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** How one declared field is encoded. */
export interface FieldSchema {
  readonly name: string;
  /** Its type as declared, for messages (`int64`, `string`, `kvstore.v1.Compare`...). */
  readonly typeName: string;
  /** The wire type of one value: VARINT, I64, I32 or LEN. */
  readonly wire: number;
  readonly repeated: boolean;
  /** A repeated scalar may also arrive packed (one LEN of values), as protobuf allows either way. */
  readonly packable: boolean;
  /** A string: its bytes must be valid UTF-8. */
  readonly utf8: boolean;
  /** A message field: its type's schema (resolved on first use: types may refer to themselves). */
  readonly message: (() => MessageSchema) | null;
}

/** One message type. */
export interface MessageSchema {
  readonly name: string;
  readonly fields: ReadonlyMap<number, FieldSchema>;
}

const SCALAR_WIRE: Record<string, number> = {
  int32: WireType.VARINT,
  int64: WireType.VARINT,
  uint32: WireType.VARINT,
  uint64: WireType.VARINT,
  sint32: WireType.VARINT,
  sint64: WireType.VARINT,
  bool: WireType.VARINT,
  fixed64: WireType.I64,
  sfixed64: WireType.I64,
  double: WireType.I64,
  fixed32: WireType.I32,
  sfixed32: WireType.I32,
  float: WireType.I32,
  string: WireType.LEN,
  bytes: WireType.LEN,
};

/** Builds (once per type) the schema of a resolved protobufjs message type. */
export function messageSchema(
  type: protobuf.Type,
  cache = new Map<protobuf.Type, MessageSchema>(),
): MessageSchema {
  const known = cache.get(type);
  if (known) return known;
  const fields = new Map<number, FieldSchema>();
  const schema: MessageSchema = { name: type.fullName.replace(/^\./, ''), fields };
  cache.set(type, schema);
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field instanceof protobuf.MapField) {
      fields.set(field.id, mapEntryField(field, cache));
      continue;
    }
    fields.set(field.id, fieldSchema(field.name, field.type, field.resolvedType, field.repeated, cache));
  }
  return schema;
}

function fieldSchema(
  name: string,
  typeName: string,
  resolved: protobuf.Type | protobuf.Enum | null,
  repeated: boolean,
  cache: Map<protobuf.Type, MessageSchema>,
): FieldSchema {
  if (resolved instanceof protobuf.Type) {
    const type = resolved;
    const message = () => messageSchema(type, cache);
    return { name, typeName, wire: WireType.LEN, repeated, packable: false, utf8: false, message };
  }
  const wire = resolved instanceof protobuf.Enum ? WireType.VARINT : SCALAR_WIRE[typeName];
  if (wire === undefined) throw new Error(`field ${name}: unknown protobuf type "${typeName}"`);
  const packable = repeated && wire !== WireType.LEN;
  return { name, typeName, wire, repeated, packable, utf8: typeName === 'string', message: null };
}

/** A map field is, on the wire, a repeated message of key = 1 and value = 2. */
function mapEntryField(field: protobuf.MapField, cache: Map<protobuf.Type, MessageSchema>): FieldSchema {
  const entry: MessageSchema = {
    name: `${field.name} entry`,
    fields: new Map([
      [1, fieldSchema('key', field.keyType, null, false, cache)],
      [2, fieldSchema('value', field.type, field.resolvedType, false, cache)],
    ]),
  };
  return {
    name: field.name,
    typeName: `map<${field.keyType}, ${field.type}>`,
    wire: WireType.LEN,
    repeated: true,
    packable: false,
    utf8: false,
    message: () => entry,
  };
}
