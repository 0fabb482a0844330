// Original file: proto/kvstore/v1/kvstore.proto


export interface DeleteRequest {
  'key'?: (string);
}

export interface DeleteRequest__Output {
  'key': (string);
}
