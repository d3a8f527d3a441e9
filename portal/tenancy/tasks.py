"""Thin Celery wrappers for tenancy e-mails."""

from django.urls import reverse

from portal.mail import mail_task, send_templated_mail

from .models import PartnerInvitation, User


@mail_task(name="portal.tenancy.tasks.send_partner_invitation_email")
def send_partner_invitation_email(invitation_id: int) -> int:
    """T-8: the invited person's link (signed, expiring), in the partner's language."""
    from .onboarding import INVITATION_MAX_AGE, partner_invitation_token

    invitation = PartnerInvitation.unscoped.select_related("partner", "invited_by").get(pk=invitation_id)
    link = reverse("partner_invitation", args=[partner_invitation_token(invitation)])
    return send_templated_mail(to=[invitation.email], language=invitation.partner.language,
                               template="partner_invitation",
                               context={"invitation": invitation, "partner": invitation.partner, "path": link,
                                        "days": INVITATION_MAX_AGE.days})


@mail_task(name="portal.tenancy.tasks.send_welcome_email")
def send_welcome_email(user_id: int) -> int:
    """A new user's link to choose a password, in their language. Returns the messages sent."""
    from .services import user_send_welcome

    user = User.objects.filter(pk=user_id).first()
    return user_send_welcome(user) if user is not None else 0


@mail_task(name="portal.tenancy.tasks.send_signup_email")
def send_signup_email(user_id: int, template: str, next_path: str) -> int:
    """The answer to a sign-up: the activation link (`signup_confirm`) or, for an address that has
    an account, a reminder to sign in (`signup_existing`); in the account's language."""
    from django.urls import reverse
    from django.utils.http import urlencode

    from portal.mail import send_templated_mail

    from .services import signup_token

    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return 0
    links = {"confirm": reverse("signup_confirm", args=[signup_token(user, next_path)]),
             "login": f"{reverse('login')}?{urlencode({'next': next_path})}",
             "reset": reverse("password_reset")}
    return send_templated_mail(to=[user.email], language=user.language, template=template,
                               context={"user": user, **links})
