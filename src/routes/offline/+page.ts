// Built once at build time and precached by the service worker, which serves it
// for navigations that get no answer from the network.
export const prerender = true;
