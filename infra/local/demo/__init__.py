"""Demo data for the local stack: patients who can log in, and the people they represent; health
professionals around the first patient; a helpline operator; a notification wave.

Accounts are created in the user pool of the API's authorizer (the patient pool), confirmed, with
a permanent password, their names and a valid INS (custom:ins) computed by the domain's rule.
Each person gets an open health space through the domain (healthspace.bootstrap). Only the
adults log in; the child is represented by a parent, who holds a grant on the child's space.

The professionals are in the professionals' pool (custom:rpps, custom:profession, as the /pro
API's authorizer reads them): Camille Martin's treating doctor and a pharmacist of her care team
with a limited grant, both recorded in her care record through the domain's use cases, and a
doctor she never named (refused, until he breaks the glass). /local/login answers their MFA
challenge, as the operator's.

The operator is in the operators' pool, group `helpline` (the operator routes, the wave figures).
The demo wave is a synthetic insured-persons file of a few hundred people imported through the
real importer once the stack is up: everyone is notified (email, SMS or letter), 0.7 % oppose
and 1 % activate early through the public API with the codes they were sent, and the wave's
timer activates the others at the deadline (the stack's EnrollmentWindow, a couple of minutes).

The directory of professionals holds a synthetic extract of the national directory (directory.txt,
200 invented professionals, the three above among them), imported as an operator would.

Modules: people (who the demo's people, professionals and operator are, and their passwords),
users (their Cognito users; `seed`, what the stack calls), spaces (each patient's health space:
documents, profile, care record, and the enrollment that would have opened it), population (the
demo wave's synthetic insured-persons file), wave (the demo wave run against the stack),
directory (the directory's demo extract).
"""
