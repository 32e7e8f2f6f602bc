export * from './kind';
export * from './protocol';
export * from './range';
export * from './text';
export * from './thumbnail-envelope';
