//! Property-based tests of the `X-Hub-Signature-256` verifier (proptest,
//! bounded cases): no header that was not computed with the key verifies,
//! whatever the body, and a signature over one body never verifies another.

use hooklab_github::signature::{sign, verify};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn no_forged_header_verifies(
        secret in prop::collection::vec(any::<u8>(), 1..40),
        body in prop::collection::vec(any::<u8>(), 0..64),
        header in "sha256=[0-9a-fA-F]{0,70}|[ -~]{0,80}",
    ) {
        prop_assume!(header != sign(&secret, &body));
        prop_assert!(verify(&secret, &body, Some(&header)).is_err(), "accepted {header:?}");
        prop_assert!(verify(&secret, &body, None).is_err());
    }

    #[test]
    fn another_key_or_another_body_never_verifies(
        secret in prop::collection::vec(any::<u8>(), 1..40),
        other in prop::collection::vec(any::<u8>(), 1..40),
        body in prop::collection::vec(any::<u8>(), 1..64),
        flip in any::<prop::sample::Index>(),
    ) {
        prop_assume!(secret != other);
        prop_assert!(verify(&secret, &body, Some(&sign(&other, &body))).is_err());
        let genuine = sign(&secret, &body);
        let mut tampered = body.clone();
        tampered[flip.index(body.len())] ^= 1;
        prop_assert!(verify(&secret, &tampered, Some(&genuine)).is_err());
        // And the genuine header verifies, so the two above are not vacuous.
        prop_assert!(verify(&secret, &body, Some(&genuine)).is_ok());
    }
}
