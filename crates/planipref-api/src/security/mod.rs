//! Who is asking: agents (bearer JWT) and service-public.fr's router (signed context), each verified by its own extractor.

pub mod agent;
pub mod router;
pub mod scope;
