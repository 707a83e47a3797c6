# Umbral, English. Every id here exists in es and pt-BR too (a test checks).

lang-name = English
skip-to-content = Skip to content
nav-sign-out = Sign out
nav-language = Language

## Sign-up
signup-title = Create your account
signup-intro = It takes a minute. You will confirm your email with a code.
field-name = Name
field-email = Email
field-phone = Phone
field-phone-country = Country code
field-phone-number = Phone number
field-password = Password
password-hint = At least 10 characters. A few unrelated words make a strong password; avoid your name or email.
terms-accept-prefix = I accept the
terms-link = General Terms of Service
signup-submit = Create account
signup-have-account = Already have an account?
signup-sign-in = Sign in

## Email confirmation
confirm-title = Confirm your email
confirm-intro = We sent a 6-digit code to your email address. Enter it below to continue.
confirm-spam = Can't find it? Check your spam folder, or ask for a new code.
field-code = Code
confirm-submit = Confirm
confirm-resend = Send a new code
confirm-resent = We sent you a new code.

## Sign-in
login-title = Sign in
login-next = Next
login-submit = Sign in
login-no-account = Don't have an account?
login-create-account = Create your account
login-change-email = Use another email

## Home
home-title = Home
home-greeting = Hello, { $name }!
home-signed-in-as = You are signed in as { $email }.
home-organization = Organization: { $org } ({ $role })
role-owner = owner
role-admin = administrator
role-member = member

## Notices shown on the sign-in page
notice-signed_in_elsewhere = Your session was closed because you signed in on another device.
notice-signed_out = You have signed out.
notice-session_expired = Your session has expired. Please sign in again.
notice-session_ended = Your session has ended. Please sign in again.

## Terms
terms-title = General Terms of Service
terms-body = These are the General Terms of Service of { $product }. The operator of this installation publishes its own terms here.

## Dev outbox
outbox-title = Dev outbox
outbox-intro = Messages that would have been sent by email or SMS. Newest first. This page exists only in development mode.
outbox-empty = No messages yet.
outbox-to = To
outbox-subject = Subject
outbox-channel = Channel
outbox-time = Time

## Error pages
error-title = Something went wrong
error-back = Go back
error-not-found-title = Page not found
error-busy-title = Busy

## Field and request errors (ids are the API error codes with dots as dashes)
email-required = Enter your email address.
email-too_long = The email address can have at most { $max } characters.
email-invalid = Enter a valid email address, like name@example.com.
name-required = Enter your name.
name-too_long = The name can have at most { $max } characters.
name-invalid = The name contains characters that are not allowed.
phone-required = Enter your phone number.
phone-invalid = This is not a valid phone number for the chosen country.
phone-country_invalid = Choose the country code.
phone-needs_country_code = Write the number in international format, starting with + and the country code.
password-required = Enter a password.
password-too_short = The password must have at least { $min } characters.
password-too_long = The password can have at most { $max } characters.
password-common = This password is too common. Choose one that others would not guess.
password-contains_personal = The password must not contain your name or email address.
password-weak = This password is too easy to guess. Add more words or characters.
terms-required = You must accept the General Terms of Service to create an account.
code-required = Enter the code.
code-format = The code has 6 digits.
code-invalid = The code is not correct. Check it and try again.
code-expired = The code has expired. Ask for a new one.
code-attempts_exhausted = Too many wrong codes. Ask for a new one.
code-resend_too_soon = Wait { $seconds } seconds before asking for a new code.
auth-invalid_credentials = The email or the password is not correct.
auth-unauthenticated = Sign in to continue.
auth-session_signed_in_elsewhere = Your session was closed because you signed in on another device.
auth-session_expired = Your session has expired. Please sign in again.
auth-session_ended = Your session has ended. Please sign in again.
auth-step_required = Finish the current step first.
auth-too_many_attempts = Too many attempts. Try again in { $seconds } seconds.
server-busy = The server is busy. Try again in a moment.
server-error = Something went wrong on our side. Your data is safe; try again.
request-invalid = The request is not valid.
request-invalid_json = The request body is not valid JSON for this call: { $detail }
request-already_done = This step is already done.
request-not_found = Not found.
request-forbidden = You are not allowed to do this.
request-cross_origin = Requests from another site are not allowed.
request-form_expired = This form has expired. Check the fields and submit it again.

## Emails
email-signup_code-subject = Your { $product } code: { $code }
email-signup_code-body =
    Hello { $name },

    Your code to confirm your email address is:

        { $code }

    It expires in 10 minutes. If you did not create an account, ignore this email.
email-signup_email_taken-subject = Someone tried to create a { $product } account with your address
email-signup_email_taken-body =
    Hello,

    Someone just tried to create a { $product } account with this email address, but you already have one.

    If it was you, sign in instead. If you forgot your password, use "Forgot your password?" on the sign-in page.
    If it was not you, you can ignore this email: nothing was changed.
