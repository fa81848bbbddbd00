-- destinations:additive
SELECT
  `t1`.`org_id`,
  `t1`.`year`,
  `t1`.`procedure`,
  `t1`.`grade`,
  SUM(IF((
    `t1`.`grade` = 11
  ) AND (
    `t1`.`destination` = 'college'
  ), 1, 0)) AS `n0`,
  SUM(IF(`t1`.`grade` = 11, 1, 0)) AS `d0`,
  SUM(IF((
    `t1`.`grade` = 11
  ) AND (
    `t1`.`destination` = 'university'
  ), 1, 0)) AS `n1`,
  SUM(IF(`t1`.`grade` = 11, 1, 0)) AS `d1`,
  SUM(IF(`t1`.`grade` IN (9, 11), 1, 0)) AS `n2`,
  SUM(IF(`t1`.`grade` IN (9, 11), 1, 0)) AS `c2`,
  SUM(IF((
    `t1`.`grade` = 9
  ) AND (
    `t1`.`destination` = 'college'
  ), 1, 0)) AS `n3`,
  SUM(IF(`t1`.`grade` = 9, 1, 0)) AS `d3`,
  SUM(IF((
    `t1`.`grade` = 9
  ) AND (
    `t1`.`destination` = 'school'
  ), 1, 0)) AS `n4`,
  SUM(IF(`t1`.`grade` = 9, 1, 0)) AS `d4`,
  SUM(
    IF(
      `t1`.`grade` IN (9, 11)
      AND `t1`.`destination` IN ('college', 'university')
      AND (
        `t1`.`is_target` = TRUE
      ),
      1,
      0
    )
  ) AS `n5`,
  SUM(
    IF(`t1`.`grade` IN (9, 11) AND `t1`.`destination` IN ('college', 'university'), 1, 0)
  ) AS `d5`,
  SUM(IF(`t1`.`grade` IN (9, 11) AND (
    `t1`.`destination` = 'none'
  ), 1, 0)) AS `n6`,
  SUM(IF(`t1`.`grade` IN (9, 11), 1, 0)) AS `d6`
FROM (
  SELECT
    *
  FROM `destinations` AS `t0`
  WHERE
    `t0`.`procedure` IN ('DESTINATIONS')
) AS `t1`
GROUP BY
  1,
  2,
  3,
  4;
