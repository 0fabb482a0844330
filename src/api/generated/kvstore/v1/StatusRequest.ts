// Original file: proto/kvstore/v1/kvstore.proto


export interface StatusRequest {
}

export interface StatusRequest__Output {
}
