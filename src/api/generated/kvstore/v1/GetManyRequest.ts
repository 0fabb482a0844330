// Original file: proto/kvstore/v1/kvstore.proto


export interface GetManyRequest {
  'keys'?: (string)[];
  /**
   * As GetRequest.serializable.
   */
  'serializable'?: (boolean);
}

export interface GetManyRequest__Output {
  'keys': (string)[];
  /**
   * As GetRequest.serializable.
   */
  'serializable': (boolean);
}
