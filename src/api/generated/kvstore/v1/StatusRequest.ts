// Original file: proto/kvstore/v1/kvstore.proto


/**
 * Asks for the server's status; no parameters.
 */
export interface StatusRequest {
}

/**
 * Asks for the server's status; no parameters.
 */
export interface StatusRequest__Output {
}
