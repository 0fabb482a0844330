// Original file: proto/kvstore/v1/kvstore.proto


export interface GetManyRequest {
  'keys'?: (string)[];
}

export interface GetManyRequest__Output {
  'keys': (string)[];
}
