// Original file: proto/kvstore/v1/kvstore.proto


export interface DeleteManyRequest {
  'keys'?: (string)[];
}

export interface DeleteManyRequest__Output {
  'keys': (string)[];
}
