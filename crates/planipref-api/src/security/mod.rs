//! Who is asking: agents (bearer JWT), service-public.fr's router (signed context) and national hubs (shared tokens), each verified by its own extractor.

pub mod agent;
pub mod hub;
pub mod router;
pub mod scope;
