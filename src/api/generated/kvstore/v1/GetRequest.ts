// Original file: proto/kvstore/v1/kvstore.proto


export interface GetRequest {
  'key'?: (string);
}

export interface GetRequest__Output {
  'key': (string);
}
