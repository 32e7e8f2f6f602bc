export * from '../../scripts/lib/partykit';
